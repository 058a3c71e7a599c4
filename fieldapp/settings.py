"""Worker-app settings: a frozen dataclass read once (argument > environment > default)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class AppSettings:
    data_dir: Path
    server_url: str = ""
    web_host: str = "127.0.0.1"
    web_port: int | None = None
    auto_lock_minutes: int = 5
    offline_lease_days: int = 7
    kdf_n: int | None = None  # fixed scrypt cost (never below the vault's floor); None = calibrate

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> AppSettings:
        env = os.environ if environ is None else environ
        # Built apps and `flet run` set FLET_APP_STORAGE_DATA; plain `python main.py` does not.
        data = env.get("FIELDAPP_DATA_DIR") or env.get("FLET_APP_STORAGE_DATA") or "var/phone"
        port = env.get("FIELDAPP_WEB_PORT")
        kdf_n = env.get("FIELDAPP_KDF_N")
        return cls(
            data_dir=Path(data),
            server_url=env.get("FIELDAPP_SERVER_URL", ""),
            web_host=env.get("FIELDAPP_WEB_HOST", "127.0.0.1"),
            web_port=int(port) if port else None,
            auto_lock_minutes=int(env.get("FIELDAPP_AUTO_LOCK_MINUTES", "5")),
            offline_lease_days=int(env.get("FIELDAPP_OFFLINE_LEASE_DAYS", "7")),
            kdf_n=int(kdf_n) if kdf_n else None,
        )

    @property
    def database_path(self) -> Path:
        return self.data_dir / "fieldapp.sqlite"

    @property
    def key_path(self) -> Path:
        return self.data_dir / "device.key"
