"""The device vault: PIN stretching, the keystore, the data key, sealing and the lock rules."""
