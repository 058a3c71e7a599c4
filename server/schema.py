"""The server's tables (SQLAlchemy Core), one definition for SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    true,
)

metadata = MetaData()

# One row per agency. `clock` is the per-tenant commit-order counter: every transaction that
# publishes changes bumps it with UPDATE ... RETURNING, which holds the row lock until commit,
# so sequence numbers are handed out in commit order on both backends.
tenants = Table(
    "tenants", metadata,
    Column("id", String(36), primary_key=True),
    Column("name", Text, nullable=False),
    Column("office_phone", Text, nullable=False, default=""),
    Column("on_call_phone", Text, nullable=False, default=""),
    Column("timezone", Text, nullable=False, default="Europe/London"),
    Column("escrow_public_key", Text, nullable=False),
    Column("clock", BigInteger, nullable=False, default=0),
    # May a revoked phone still deliver what it has queued before it wipes? (Default yes: a
    # record the office never receives is lost for good.)
    Column("revoked_devices_may_push", Boolean, nullable=False, default=True,
           server_default=true()),
    # The agency's data key and blind-index key, sealed to its escrow key (server/datakeys.py).
    Column("data_key", JSON),
)

workers = Table(
    "workers", metadata,
    Column("id", String(36), primary_key=True),
    Column("tenant_id", String(36), nullable=False, index=True),
    Column("name", Text, nullable=False),
    Column("phone", Text, nullable=False, default=""),
    Column("area", Text, nullable=False, default=""),
    Column("role", Text, nullable=False, default="care_worker"),
    Column("active", Boolean, nullable=False, default=True),
    # Trained to take observations: the phone offers the NEWS2 calculator (sent in the feed).
    Column("news2_trained", Boolean, nullable=False, default=False, server_default=false()),
)

coordinators = Table(
    "coordinators", metadata,
    Column("id", String(36), primary_key=True),
    Column("tenant_id", String(36), nullable=False, index=True),
    Column("name", Text, nullable=False),
    Column("email", String(320), nullable=False, unique=True),
    Column("password_hash", Text, nullable=False),
    # coordinator, safeguarding_lead or admin (server/roles.py)
    Column("role", String(32), nullable=False, default="coordinator",
           server_default="coordinator"),
    Column("active", Boolean, nullable=False, default=True),
)

devices = Table(
    "devices", metadata,
    Column("id", String(36), primary_key=True),
    Column("tenant_id", String(36), nullable=False),
    Column("worker_id", String(36), nullable=False, index=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("enrolled_at", Text, nullable=False),
    Column("last_seen_at", Text),
    Column("revoked_at", Text),
    Column("revoked_by", String(36)),
    Column("wiped_at", Text),
    Column("app_version", Text, nullable=False, default=""),
)

enrolment_codes = Table(
    "enrolment_codes", metadata,
    Column("code_hash", String(64), primary_key=True),
    Column("tenant_id", String(36), nullable=False),
    Column("worker_id", String(36), nullable=False),
    Column("created_at", Text, nullable=False),
    Column("expires_at", Text, nullable=False),
    Column("used_at", Text),
    Column("device_id", String(36)),
)

# Coordinator-owned data: server-authoritative and versioned. `body` holds the full JSON,
# sealed under the agency's data key (server/sealing.py); `name_index` is the keyed blind
# index of the person's name, for look-ups by name.
service_users = Table(
    "service_users", metadata,
    Column("id", String(36), nullable=False),
    Column("tenant_id", String(36), nullable=False, index=True),
    Column("version", Integer, nullable=False, default=1),
    Column("body", JSON, nullable=False),
    Column("name_index", String(64)),
    Index("service_users_by_name", "tenant_id", "name_index"),
    PrimaryKeyConstraint("tenant_id", "id", name="service_users_pkey"),
)

care_plans = Table(
    "care_plans", metadata,
    Column("id", String(36), nullable=False),
    Column("tenant_id", String(36), nullable=False),
    Column("service_user_id", String(36), nullable=False, index=True),
    Column("version", Integer, nullable=False, default=1),
    Column("body", JSON, nullable=False),
    PrimaryKeyConstraint("tenant_id", "id", name="care_plans_pkey"),
)

medicines = Table(
    "medicines", metadata,
    Column("id", String(36), nullable=False),
    Column("tenant_id", String(36), nullable=False),
    Column("service_user_id", String(36), nullable=False, index=True),
    Column("version", Integer, nullable=False, default=1),
    Column("body", JSON, nullable=False),
    PrimaryKeyConstraint("tenant_id", "id", name="medicines_pkey"),
)

visits = Table(
    "visits", metadata,
    Column("id", String(36), nullable=False),
    Column("tenant_id", String(36), nullable=False),
    Column("worker_id", String(36), nullable=False),
    Column("service_user_id", String(36), nullable=False),
    Column("visit_type", Text, nullable=False),
    Column("start", Text, nullable=False),
    Column("end", Text, nullable=False),
    Column("status", Text, nullable=False, default="scheduled"),
    Column("version", Integer, nullable=False, default=1),
    Index("visits_by_worker_start", "worker_id", "start"),
    Index("visits_by_start", "tenant_id", "start"),
    PrimaryKeyConstraint("tenant_id", "id", name="visits_pkey"),
)

# Worker records as received: clear ids/times/kind, sealed content (escrow-openable envelope).
records = Table(
    "records", metadata,
    Column("id", String(36), nullable=False),
    Column("tenant_id", String(36), nullable=False),
    Column("device_id", String(36), nullable=False),
    Column("worker_id", String(36), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("visit_id", String(36), index=True),
    Column("service_user_id", String(36), index=True),
    Column("recorded_at", Text, nullable=False),
    Column("version", Integer, nullable=False),
    Column("corrects", String(36)),
    Column("envelope", JSON, nullable=False),
    Column("facts", JSON, nullable=False, default=dict),
    Column("content_hash", String(64), nullable=False),
    Column("received_at", Text, nullable=False),
    Column("seq", BigInteger, nullable=False),
    # Ids are unique per agency (here and in every table whose ids an agency or its phones
    # choose): the same id in two agencies is two rows, not a clash.
    PrimaryKeyConstraint("tenant_id", "id", name="records_pkey"),
)

# The change feed each phone pulls from, in its worker's scope, ordered by `seq`; every body
# is sealed under the agency's data key and opened as it is served.
feed = Table(
    "feed", metadata,
    Column("tenant_id", String(36), primary_key=True),
    Column("seq", BigInteger, primary_key=True),
    Column("worker_id", String(36), nullable=False),
    Column("entity", String(32), nullable=False),
    Column("entity_id", String(36), nullable=False),
    Column("op", String(8), nullable=False),
    Column("version", Integer, nullable=False),
    Column("body", JSON),
    Index("feed_by_worker", "tenant_id", "worker_id", "seq"),
)

# Append-only: the services only ever insert here.
audit_log = Table(
    "audit_log", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("tenant_id", String(36), nullable=False),
    Column("at", Text, nullable=False),
    Column("actor_kind", String(16), nullable=False),
    Column("actor_id", String(36), nullable=False),
    Column("action", String(64), nullable=False),
    Column("target_kind", String(32), nullable=False),
    Column("target_id", String(36), nullable=False),
)

# Which server process leads the background monitors, and when it last ran them (one row).
monitor_heartbeat = Table(
    "monitor_heartbeat", metadata,
    Column("holder", Text, primary_key=True),
    Column("beat_at", Text, nullable=False),
)

# The lowest feed position still kept per agency: a cursor below it has expired (its changes
# were compacted away), so that phone gets a full resync of its worker's current scope.
feed_floor = Table(
    "feed_floor", metadata,
    Column("tenant_id", String(36), primary_key=True),
    Column("seq", BigInteger, nullable=False),
)

# Escalations the office owns (server/escalations.py): one row per concern, raised once per
# dedupe key (the worker's record id, or an office-side check's key). Clear columns hold codes,
# ids and times only; a resolution's notes are sealed to the agency.
escalations = Table(
    "escalations", metadata,
    Column("id", String(36), primary_key=True),
    Column("tenant_id", String(36), nullable=False),
    Column("reference", String(16), nullable=False),
    Column("dedupe_key", String(200), nullable=False),
    Column("type", String(32), nullable=False),
    Column("severity", String(16), nullable=False),
    Column("state", String(16), nullable=False),
    Column("raised_at", Text, nullable=False),
    # When the office learned of it (a phone may have been offline): the ladder counts from here.
    Column("received_at", Text, nullable=False),
    Column("worker_id", String(36)),
    Column("service_user_id", String(36)),
    Column("visit_id", String(36)),
    Column("source_record_id", String(36)),
    Column("acknowledged_at", Text),
    Column("acknowledged_by", String(36)),
    Column("resolved_at", Text),
    Column("resolved_by", String(36)),
    Column("outcome", String(32)),
    Column("notes", JSON),
    Column("tiers_called", Integer, nullable=False, default=0),
    # Lone working (server/welfare.py): why (overdue, sos, duress), amber or red, and when the
    # worker was heard from ("I'm OK" or a check-out), which stops the climb.
    Column("cause", String(16)),
    Column("level", String(8)),
    Column("answered_at", Text),
    # When the next tier of the on-call ladder is due (UTC ISO); NULL: nobody more to call.
    Column("next_call_at", Text),
    # Which office-side check after sync raised it (sync.codes.OfficeCheck), if one did.
    Column("office_check", String(32)),
    UniqueConstraint("tenant_id", "dedupe_key", name="escalations_once"),
    UniqueConstraint("tenant_id", "reference", name="escalations_reference"),
    Index("escalations_open", "tenant_id", "state", "raised_at"),
    Index("escalations_next_call", "next_call_at"),
)

# Each escalation's history, append-only: raised, tier called, notice sent, acknowledged, …
escalation_events = Table(
    "escalation_events", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("tenant_id", String(36), nullable=False),
    Column("escalation_id", String(36), nullable=False, index=True),
    Column("at", Text, nullable=False),
    Column("event", String(32), nullable=False),
    Column("actor_kind", String(16), nullable=False),
    Column("actor_id", String(36), nullable=False),
    Column("detail", JSON),
)

# The agency's on-call ladder: tier 0 is called first; each (channel, target) is a staff contact.
oncall_ladder = Table(
    "oncall_ladder", metadata,
    Column("tenant_id", String(36), primary_key=True),
    Column("tier", Integer, primary_key=True),
    Column("channel", String(16), primary_key=True),
    Column("target", String(320), primary_key=True),
    Column("label", Text, nullable=False, default=""),
)

# One row per (escalation or lone-worker alert, tier) called: the primary key is what makes
# "each tier exactly once" hold across server processes, restarts and leader changes.
ladder_calls = Table(
    "ladder_calls", metadata,
    Column("subject_kind", String(16), primary_key=True),  # "escalation" or "alert"
    Column("subject_id", String(36), primary_key=True),
    Column("tier", Integer, primary_key=True),
    Column("tenant_id", String(36), nullable=False),
    Column("called_at", Text, nullable=False),
)

# Notices to send (server/notifier.py), claimed by one process at a time; state is what the
# console shows: pending, sending, sent, failed.
notices = Table(
    "notices", metadata,
    Column("id", String(36), primary_key=True),
    Column("tenant_id", String(36), nullable=False),
    Column("subject_kind", String(16), nullable=False),
    Column("subject_id", String(36), nullable=False, index=True),
    Column("tier", Integer, nullable=False),
    Column("channel", String(16), nullable=False),
    Column("target", String(320), nullable=False),
    Column("state", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text),
    Column("created_at", Text, nullable=False),
    Column("claimed_at", Text),
    Column("sent_at", Text),
    Index("notices_pending", "state", "created_at"),
)

# Lone-worker welfare sessions: from check-in to check-out, watched by the server.
welfare_sessions = Table(
    "welfare_sessions", metadata,
    Column("id", String(36), nullable=False),  # the check-in record's id
    Column("tenant_id", String(36), nullable=False),
    Column("worker_id", String(36), nullable=False),
    Column("visit_id", String(36), nullable=False),
    Column("started_at", Text, nullable=False),
    Column("expected_end", Text, nullable=False),
    Column("ended_at", Text),
    Column("amber_at", Text),
    Index("welfare_open", "ended_at", "amber_at", "expected_end"),
    PrimaryKeyConstraint("tenant_id", "id", name="welfare_sessions_pkey"),
)

# Since when the office has watched each agency's visits for missed time-critical doses
# (server/missed_doses.py): set at the first look, so a new agency's (or the demo's) earlier,
# never-visited rota raises nothing; kept across restarts, so a gap while down is still checked.
missed_dose_watch = Table(
    "missed_dose_watch", metadata,
    Column("tenant_id", String(36), primary_key=True),
    Column("since", Text, nullable=False),
)

# Per-agency timings (server/agency_settings.py); no row means DOMAIN.md's defaults.
agency_settings = Table(
    "agency_settings", metadata,
    Column("tenant_id", String(36), primary_key=True),
    Column("urgent_ack_s", Integer, nullable=False),
    Column("emergency_ack_s", Integer, nullable=False),
    Column("lone_grace_s", Integer, nullable=False),
    Column("lone_amber_to_red_s", Integer, nullable=False),
    Column("lone_tier_ack_s", Integer, nullable=False),
    # Do a handover's points for the next worker reach the phones of the workers who visit
    # that person (server/handovers.py)? Default on.
    Column("handover_to_next_worker", Boolean, nullable=False, default=True,
           server_default=true()),
)

# End-of-shift handovers as the office tracks them (server/handovers.py): one row per stored
# `handover` record (same id), from its clear facts only. The SBAR text stays sealed in the
# record; the office opens it with the escrow key when a coordinator reads it (audited) and
# once to pass its points on to the next workers (`routed_at`).
handovers = Table(
    "handovers", metadata,
    Column("tenant_id", String(36), primary_key=True),
    Column("id", String(36), primary_key=True),
    Column("worker_id", String(36), nullable=False),
    Column("shift_start", Text, nullable=False),
    Column("shift_end", Text, nullable=False),
    Column("has_concerns", Boolean, nullable=False),
    Column("items", Integer, nullable=False),
    Column("recorded_at", Text, nullable=False),
    Column("received_at", Text, nullable=False),
    Column("state", String(16), nullable=False),  # unacknowledged, acknowledged
    Column("acknowledged_at", Text),
    Column("acknowledged_by", String(36)),
    Column("routed_at", Text),
    Index("handovers_inbox", "tenant_id", "state", "shift_end"),
    Index("handovers_by_worker", "tenant_id", "worker_id", "shift_end"),
    Index("handovers_to_route", "routed_at"),
)

# The office's replies to a handover, append-only; each reply's text sealed to the agency.
handover_replies = Table(
    "handover_replies", metadata,
    Column("id", String(36), primary_key=True),
    Column("tenant_id", String(36), nullable=False),
    Column("handover_id", String(36), nullable=False, index=True),
    Column("at", Text, nullable=False),
    Column("by", String(36), nullable=False),
    Column("sealed", JSON, nullable=False),
)

# The points passed on to the next workers, by person, so a phone that resyncs, or a worker
# given the person later, still gets the recent ones. `body` is the feed body the phones get
# (personal text, kept exactly as the feed keeps its own copies of office data).
handover_points = Table(
    "handover_points", metadata,
    Column("tenant_id", String(36), primary_key=True),
    Column("item_id", String(36), primary_key=True),
    Column("handover_id", String(36), nullable=False),
    Column("author_id", String(36), nullable=False),
    Column("service_user_id", String(36), nullable=False),
    Column("written_at", Text, nullable=False),
    Column("body", JSON, nullable=False),
    Index("handover_points_by_person", "tenant_id", "service_user_id", "written_at"),
)
