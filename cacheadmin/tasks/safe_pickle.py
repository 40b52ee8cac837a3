"""The serializer the dashboard gives RQ when it reads jobs: RQ pickles a job's
arguments and results, and unpickling what anyone who can write to Redis put there
would run their code in the dashboard. This one unpickles plain values only (numbers,
text, bytes, lists, tuples, dicts, sets, None, booleans) and refuses any class or
function, which is what a pickle needs to run code."""

import io
import pickle


class Refused(pickle.UnpicklingError):
    """The pickle names a class or function: it is not read."""


class _PlainValues(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        raise Refused(f"a pickled {module}.{name}, not read")


class PlainValues:
    """RQ's serializer protocol (dumps, loads), for reading only."""

    @staticmethod
    def dumps(value: object) -> bytes:
        raise TypeError("the dashboard writes no pickled job data")

    @staticmethod
    def loads(data: bytes) -> object:
        return _PlainValues(io.BytesIO(data)).load()
