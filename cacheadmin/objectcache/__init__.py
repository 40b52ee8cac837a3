"""A bucketed object cache for applications: no Django needed, only redis-py.

See cacheadmin.objectcache.cache for the API and what is atomic.
"""

from cacheadmin.objectcache.cache import Model, ObjectCache
from cacheadmin.objectcache.counters import HitCounter
from cacheadmin.objectcache.layout import Crc32, Div

__all__ = ["Crc32", "Div", "HitCounter", "Model", "ObjectCache"]
