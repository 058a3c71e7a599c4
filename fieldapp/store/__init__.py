"""The phone's SQLite store: schema, sealed records with their outbox, the replica, the wipe."""
