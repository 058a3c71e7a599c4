"""PIN stretching: versioned scrypt settings, the floor and ceiling we accept, and calibration."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from fieldapp.errors import KdfRefused

KDF_NAME = "scrypt"
KDF_VERSION = 1
_FIELDS = ("name", "n", "r", "p", "version")
# Calibration probes with a fixed salt: timing does not depend on it, and no PIN is involved.
_PROBE_SALT = b"fieldapp-calibration-probe"


def _is_int(value: object) -> bool:
    # bool is an int subclass; True must never be read as n=1.
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class KdfParams:
    """scrypt cost settings, stored next to the wrapped data key so they can change over time."""

    name: str = KDF_NAME
    n: int = 2**15
    r: int = 8
    p: int = 1
    version: int = KDF_VERSION

    def __post_init__(self) -> None:
        if self.name != KDF_NAME or self.version != KDF_VERSION:
            raise KdfRefused("This app does not know the stored key-derivation method.")
        if not all(_is_int(v) for v in (self.n, self.r, self.p)):
            raise KdfRefused("The stored key-derivation settings are not whole numbers.")
        # scrypt needs n to be a power of two above 1.
        if self.n < 2 or self.n & (self.n - 1) or self.r < 1 or self.p < 1:
            raise KdfRefused("The stored key-derivation settings are not valid.")

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "n": self.n, "r": self.r, "p": self.p, "version": self.version}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> KdfParams:
        """Read stored settings; anything unexpected is refused rather than guessed at."""
        if not isinstance(d, Mapping) or set(d) != set(_FIELDS):
            raise KdfRefused("The stored key-derivation settings are not recognised.")
        if not isinstance(d["name"], str) or not _is_int(d["version"]):
            raise KdfRefused("The stored key-derivation settings are not recognised.")
        return cls(name=d["name"], n=d["n"], r=d["r"], p=d["p"], version=d["version"])

    @property
    def memory_bytes(self) -> int:
        return 128 * self.r * self.n


KDF_FLOOR = KdfParams(n=2**14, r=8, p=1)
# A ceiling stops edited settings from turning an unlock into a memory or CPU bomb (1 GiB, and
# far beyond what a phone can spend on one unlock).
KDF_CEILING = KdfParams(n=2**20, r=16, p=4)
MAX_KDF_MEMORY = 2**30


def require_usable(params: KdfParams) -> None:
    """Raise KdfRefused unless every cost is between the floor and the ceiling."""
    for name in ("n", "r", "p"):
        value = getattr(params, name)
        if value < getattr(KDF_FLOOR, name):
            raise KdfRefused("The stored key-derivation settings are weaker than the app allows.")
        if value > getattr(KDF_CEILING, name):
            raise KdfRefused("The stored key-derivation settings are beyond what the app allows.")
    if params.memory_bytes > MAX_KDF_MEMORY:
        raise KdfRefused("The stored key-derivation settings need more memory than allowed.")


def stretch(secret: bytes, salt: bytes, params: KdfParams) -> bytes:
    """scrypt with checked settings: 32 bytes out."""
    require_usable(params)
    kdf = Scrypt(salt=salt, length=32, n=params.n, r=params.r, p=params.p)
    return kdf.derive(secret)


def _measure_ms(params: KdfParams) -> float:
    # Best of two: the first run also pays for page-faulting scrypt's memory in, and a busy
    # phone only ever makes one run slower, never faster.
    best = float("inf")
    for _ in range(2):
        started = time.perf_counter()
        stretch(b"000000", _PROBE_SALT, params)
        best = min(best, (time.perf_counter() - started) * 1000.0)
    return best


def _miss(took: float, low: int, high: int) -> float:
    """How far outside the window a timing is, as a ratio (1.0 means on its edge)."""
    return low / max(took, 1e-9) if took < low else took / high


def calibrate_kdf(
    target_ms: tuple[int, int] = (250, 500),
    *,
    measure: Callable[[KdfParams], float] | None = None,
) -> KdfParams:
    """Double or halve n from the default until one derivation takes `target_ms` on this machine.

    Never goes below KDF_FLOOR or above KDF_CEILING. `measure` (milliseconds for one derivation)
    is injectable so the search can be tested without depending on the machine's speed.
    """
    low, high = target_ms
    if not 0 < low <= high:
        raise ValueError("target_ms must be (low, high) with 0 < low <= high")
    timer = measure or _measure_ms
    params = KdfParams()
    took = timer(params)
    tried: dict[int, float] = {params.n: took}
    while not low <= took <= high:
        step_n = params.n * 2 if took < low else params.n // 2
        if not KDF_FLOOR.n <= step_n <= KDF_CEILING.n:
            break
        if step_n in tried:
            # Doubling jumps over the window: keep whichever of the two lands nearer to it.
            best = min((params.n, step_n), key=lambda n: _miss(tried[n], low, high))
            return KdfParams(n=best, r=params.r, p=params.p)
        params = KdfParams(n=step_n, r=params.r, p=params.p)
        took = timer(params)
        tried[params.n] = took
    return params
