"""The key layout, defined once: globs that match a model's keys and nothing else."""

import fnmatch

import pytest

from cacheadmin.objectcache import layout


def matches(glob: bytes, key: str) -> bool:
    # Redis globs and fnmatch agree on *, [..] and backslash escapes for these keys.
    pattern = glob.decode().replace("\\*", "[*]").replace("\\[", "[[]")
    return fnmatch.fnmatchcase(key, pattern)


def test_names_are_escaped_in_globs():
    assert layout.bucket_glob("u*") == b"u\\*:[0-9]*"
    assert layout.inverted_glob("a[b") == b"a\\[b:inv:*"
    assert layout.attribute_glob("user", "country") == b"user:inv:country:*"
    assert matches(layout.bucket_glob("u*"), "u*:3") and not matches(
        layout.bucket_glob("u*"), "us:3"
    )


@pytest.mark.parametrize(
    ("key", "is_model"),
    [
        (b"user:12", True),
        (b"user:inv:country:FR", True),
        (b"user:12:profile", False),
        (b"user:", False),
        (b"users:12", False),
        ("user:\u0661".encode(), False),  # a digit of another script
    ],
)
def test_what_belongs_to_a_model(key, is_model):
    assert layout.is_model_key("user", key) is is_model


def test_the_scripts_spell_keys_as_the_layout_does():
    from cacheadmin.objectcache.scripts import DROP, WRITE

    assert "@INVERTED@" not in WRITE + DROP and "@DIRECTORY@" not in WRITE
    assert f"'{layout.INVERTED}'" in WRITE and f"'{layout.DIRECTORY_PREFIX}'" in WRITE
