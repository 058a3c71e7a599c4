"""The server's tables (SQLAlchemy Core), one definition for SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Float,
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


# Column builders for the shapes every table repeats. Ids are UUID strings and times are UTC ISO
# text on both backends; there are no foreign keys (rows are scoped by tenant_id in the services).
def key(name: str = "id") -> Column[Any]:
    """A UUID primary key, or one part of a composite key."""
    return Column(name, String(36), primary_key=True)


def agency_key() -> Column[Any]:
    """An id unique within its agency: with tenant_id, the table's primary key."""
    return Column("id", String(36), nullable=False)


def ref(name: str, *, required: bool = True, index: bool | None = None) -> Column[Any]:
    """A UUID naming a row of another table."""
    return Column(name, String(36), nullable=not required, index=index)


def tenant(*, index: bool | None = None) -> Column[Any]:
    """The agency a row belongs to."""
    return ref("tenant_id", index=index)


def when(name: str, *, required: bool = False) -> Column[Any]:
    """A moment, as UTC ISO text."""
    return Column(name, Text, nullable=not required)


def code(name: str, length: int, *, required: bool = True) -> Column[Any]:
    """A short code from a fixed set (sync/codes.py) or a name of a kind."""
    return Column(name, String(length), nullable=not required)


def words(name: str, default: str = "") -> Column[Any]:
    """Required text with a default."""
    return Column(name, Text, nullable=False, default=default)


def flag(name: str, default: bool) -> Column[Any]:
    return Column(name, Boolean, nullable=False, default=default)


def counter(name: str, default: int = 0) -> Column[Any]:
    return Column(name, Integer, nullable=False, default=default)


def actor() -> tuple[Column[Any], Column[Any]]:
    """Who did it: a worker, a coordinator, a device or the system, and their id."""
    return code("actor_kind", 16), ref("actor_id")


def serial() -> Column[Any]:
    """An append-only table's own row number."""
    return Column("id", Integer, primary_key=True, autoincrement=True)


def owned(name: str, *columns: Column[Any],
          after: tuple[Column[Any] | Index, ...] = ()) -> Table:
    """Coordinator-owned data: server-authoritative and versioned; `body` holds the full JSON.
    `after` comes after the body (columns added by later revisions, indexes). Ids are unique
    per agency."""
    return Table(name, metadata, agency_key(), *columns, counter("version", 1),
                 Column("body", JSON, nullable=False), *after,
                 PrimaryKeyConstraint("tenant_id", "id", name=f"{name}_pkey"))

# One row per agency. `clock` is the per-tenant commit-order counter: every transaction that
# publishes changes bumps it with UPDATE ... RETURNING, which holds the row lock until commit,
# so sequence numbers are handed out in commit order on both backends.
tenants = Table(
    "tenants", metadata,
    key(),
    Column("name", Text, nullable=False),
    words("office_phone"),
    words("on_call_phone"),
    words("timezone", "Europe/London"),
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
    key(),
    tenant(index=True),
    Column("name", Text, nullable=False),
    words("phone"),
    words("area"),
    words("role", "care_worker"),
    flag("active", True),
    # Trained to take observations: the phone offers the NEWS2 calculator (sent in the feed).
    Column("news2_trained", Boolean, nullable=False, default=False, server_default=false()),
    # A phone's staff list (server/worker_profile.py): its area's colleagues, then the rest.
    Index("workers_by_area_name", "tenant_id", "area", "name"),
    Index("workers_by_name", "tenant_id", "name"),
)

coordinators = Table(
    "coordinators", metadata,
    key(),
    tenant(index=True),
    Column("name", Text, nullable=False),
    Column("email", String(320), nullable=False, unique=True),
    Column("password_hash", Text, nullable=False),
    # coordinator, safeguarding_lead or admin (server/roles.py)
    Column("role", String(32), nullable=False, default="coordinator",
           server_default="coordinator"),
    flag("active", True),
)

devices = Table(
    "devices", metadata,
    key(),
    tenant(),
    ref("worker_id", index=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    when("enrolled_at", required=True),
    when("last_seen_at"),
    when("revoked_at"),
    ref("revoked_by", required=False),
    when("wiped_at"),
    words("app_version"),
    # Records the phone said were still waiting for the office after its last sync (None:
    # an app that does not say).
    Column("pending_count", Integer),
)

enrolment_codes = Table(
    "enrolment_codes", metadata,
    Column("code_hash", String(64), primary_key=True),
    tenant(),
    ref("worker_id"),
    when("created_at", required=True),
    when("expires_at", required=True),
    when("used_at"),
    ref("device_id", required=False),
)

# Coordinator-owned data: server-authoritative and versioned. `body` holds the full JSON,
# sealed under the agency's data key (server/sealing.py); `name_index` is the keyed blind
# index of the person's name, for look-ups by name.
service_users = owned("service_users", tenant(index=True), after=(
    Column("name_index", String(64)),
    Index("service_users_by_name", "tenant_id", "name_index"),
))

care_plans = owned("care_plans", tenant(), ref("service_user_id", index=True))

medicines = owned("medicines", tenant(), ref("service_user_id", index=True), after=(
    # Which lists to open for the people with visits around now (the risk board), from the
    # index alone (server/medicine_watch.py keeps them opened by version).
    Index("medicines_by_person", "tenant_id", "service_user_id", "id", "version"),
))

visits = Table(
    "visits", metadata,
    agency_key(),
    tenant(),
    ref("worker_id"),
    ref("service_user_id"),
    Column("visit_type", Text, nullable=False),
    when("start", required=True),
    when("end", required=True),
    words("status", "scheduled"),
    counter("version", 1),
    Index("visits_by_worker_start", "worker_id", "start"),
    Index("visits_by_start", "tenant_id", "start"),
    # The risk board's visits around now, read from the index alone.
    Index("visits_around_now", "tenant_id", "start", "end", "status", "service_user_id",
          "worker_id", "id"),
    PrimaryKeyConstraint("tenant_id", "id", name="visits_pkey"),
)

# Worker records as received: clear ids/times/kind, sealed content (escrow-openable envelope).
records = Table(
    "records", metadata,
    agency_key(),
    tenant(),
    ref("device_id"),
    ref("worker_id"),
    code("kind", 32),
    ref("visit_id", required=False, index=True),
    ref("service_user_id", required=False, index=True),
    when("recorded_at", required=True),
    Column("version", Integer, nullable=False),
    ref("corrects", required=False),
    Column("envelope", JSON, nullable=False),
    Column("facts", JSON, nullable=False, default=dict),
    Column("content_hash", String(64), nullable=False),
    when("received_at", required=True),
    Column("seq", BigInteger, nullable=False),
    # The notes search (server/services/notes_search.py) reads by agency and time.
    Index("records_by_time", "tenant_id", "recorded_at"),
    Index("records_by_worker_time", "tenant_id", "worker_id", "recorded_at"),
    Index("records_by_person_time", "tenant_id", "service_user_id", "recorded_at"),
    # With the visit: the risk board's check-ins of the last day come from the index alone.
    Index("records_by_kind_time_visit", "tenant_id", "kind", "recorded_at", "visit_id"),
    # The risk board: was a visit checked in to?
    Index("records_by_visit_kind", "tenant_id", "visit_id", "kind"),
    # Ids are unique per agency (here and in every table whose ids an agency or its phones
    # choose): the same id in two agencies is two rows, not a clash.
    PrimaryKeyConstraint("tenant_id", "id", name="records_pkey"),
)

# The change feed each phone pulls from, in its worker's scope, ordered by `seq`; every body
# is sealed under the agency's data key and opened as it is served.
feed = Table(
    "feed", metadata,
    key("tenant_id"),
    Column("seq", BigInteger, primary_key=True),
    ref("worker_id"),
    code("entity", 32),
    ref("entity_id"),
    code("op", 8),
    Column("version", Integer, nullable=False),
    Column("body", JSON),
    Index("feed_by_worker", "tenant_id", "worker_id", "seq"),
)

# Append-only: the services only ever insert here.
audit_log = Table(
    "audit_log", metadata,
    serial(),
    tenant(),
    when("at", required=True),
    *actor(),
    code("action", 64),
    code("target_kind", 32),
    ref("target_id"),
)

# Which server process leads the background monitors, and when it last ran them (one row).
monitor_heartbeat = Table(
    "monitor_heartbeat", metadata,
    Column("holder", Text, primary_key=True),
    when("beat_at", required=True),
)

# The lowest feed position still kept per agency: a cursor below it has expired (its changes
# were compacted away), so that phone gets a full resync of its worker's current scope.
feed_floor = Table(
    "feed_floor", metadata,
    key("tenant_id"),
    Column("seq", BigInteger, nullable=False),
)

# Escalations the office owns (server/escalations.py): one row per concern, raised once per
# dedupe key (the worker's record id, or an office-side check's key). Clear columns hold codes,
# ids and times only; a resolution's notes are sealed to the agency.
escalations = Table(
    "escalations", metadata,
    key(),
    tenant(),
    code("reference", 16),
    code("dedupe_key", 200),
    code("type", 32),
    code("severity", 16),
    code("state", 16),
    when("raised_at", required=True),
    # When the office learned of it (a phone may have been offline): the ladder counts from here.
    when("received_at", required=True),
    ref("worker_id", required=False),
    ref("service_user_id", required=False),
    ref("visit_id", required=False),
    ref("source_record_id", required=False),
    when("acknowledged_at"),
    ref("acknowledged_by", required=False),
    when("resolved_at"),
    ref("resolved_by", required=False),
    code("outcome", 32, required=False),
    Column("notes", JSON),
    counter("tiers_called"),
    # Lone working (server/welfare.py): why (overdue, sos, duress), amber or red, and when the
    # worker was heard from ("I'm OK" or a check-out), which stops the climb.
    code("cause", 16, required=False),
    code("level", 8, required=False),
    when("answered_at"),
    # When the next tier of the on-call ladder is due (UTC ISO); NULL: nobody more to call.
    when("next_call_at"),
    # Which office-side check after sync raised it (sync.codes.OfficeCheck), if one did.
    code("office_check", 32, required=False),
    UniqueConstraint("tenant_id", "dedupe_key", name="escalations_once"),
    UniqueConstraint("tenant_id", "reference", name="escalations_reference"),
    Index("escalations_open", "tenant_id", "state", "raised_at"),
    Index("escalations_next_call", "next_call_at"),
    Index("escalations_by_worker", "tenant_id", "worker_id", "answered_at"),
)

# Each escalation's history, append-only: raised, tier called, notice sent, acknowledged, …
escalation_events = Table(
    "escalation_events", metadata,
    serial(),
    tenant(),
    ref("escalation_id", index=True),
    when("at", required=True),
    code("event", 32),
    *actor(),
    Column("detail", JSON),
)

# The agency's on-call ladder: tier 0 is called first; each (channel, target) is a staff contact.
oncall_ladder = Table(
    "oncall_ladder", metadata,
    key("tenant_id"),
    Column("tier", Integer, primary_key=True),
    Column("channel", String(16), primary_key=True),
    Column("target", String(320), primary_key=True),
    words("label"),
)

# One row per (escalation or lone-worker alert, tier) called: the primary key is what makes
# "each tier exactly once" hold across server processes, restarts and leader changes.
ladder_calls = Table(
    "ladder_calls", metadata,
    Column("subject_kind", String(16), primary_key=True),  # "escalation" or "alert"
    key("subject_id"),
    Column("tier", Integer, primary_key=True),
    tenant(),
    when("called_at", required=True),
)

# Notices to send (server/notifier.py), claimed by one process at a time; state is what the
# console shows: pending, sending, sent, failed.
notices = Table(
    "notices", metadata,
    key(),
    tenant(),
    code("subject_kind", 16),
    ref("subject_id", index=True),
    Column("tier", Integer, nullable=False),
    code("channel", 16),
    Column("target", String(320), nullable=False),
    code("state", 16),
    counter("attempts"),
    Column("last_error", Text),
    when("created_at", required=True),
    when("claimed_at"),
    when("sent_at"),
    Index("notices_pending", "state", "created_at"),
)

# Lone-worker welfare sessions: from check-in to check-out, watched by the server.
welfare_sessions = Table(
    "welfare_sessions", metadata,
    agency_key(),  # the check-in record's id
    tenant(),
    ref("worker_id"),
    ref("visit_id"),
    when("started_at", required=True),
    when("expected_end", required=True),
    when("ended_at"),
    when("amber_at"),
    Index("welfare_open", "ended_at", "amber_at", "expected_end"),
    Index("welfare_by_worker", "tenant_id", "worker_id", "ended_at"),
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
    key("tenant_id"),
    *(Column(name, Integer, nullable=False) for name in (
        "urgent_ack_s", "emergency_ack_s", "lone_grace_s", "lone_amber_to_red_s",
        "lone_tier_ack_s")),
    # How long a phone on shift may go without syncing before the risk board lists its worker.
    Column("sync_stale_s", Integer, nullable=False, default=3600, server_default="3600"),
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
    key("tenant_id"),
    key(),
    ref("worker_id"),
    when("shift_start", required=True),
    when("shift_end", required=True),
    Column("has_concerns", Boolean, nullable=False),
    Column("items", Integer, nullable=False),
    when("recorded_at", required=True),
    when("received_at", required=True),
    code("state", 16),  # unacknowledged, acknowledged
    when("acknowledged_at"),
    ref("acknowledged_by", required=False),
    when("routed_at"),
    Index("handovers_inbox", "tenant_id", "state", "shift_end"),
    Index("handovers_by_worker", "tenant_id", "worker_id", "shift_end"),
    Index("handovers_to_route", "routed_at"),
)

# The office's replies to a handover, append-only; each reply's text sealed to the agency.
handover_replies = Table(
    "handover_replies", metadata,
    key(),
    tenant(),
    ref("handover_id", index=True),
    when("at", required=True),
    ref("by"),
    Column("sealed", JSON, nullable=False),
)

# The points passed on to the next workers, by person, so a phone that resyncs, or a worker
# given the person later, still gets the recent ones. `body` is the feed body the phones get
# (personal text, kept exactly as the feed keeps its own copies of office data).
handover_points = Table(
    "handover_points", metadata,
    key("tenant_id"),
    key("item_id"),
    ref("handover_id"),
    ref("author_id"),
    ref("service_user_id"),
    when("written_at", required=True),
    Column("body", JSON, nullable=False),
    Index("handover_points_by_person", "tenant_id", "service_user_id", "written_at"),
)

# Versions of the coordinator-owned lists (server/med_versions.py): every add, change or stop
# of a medicine, and every change of a care plan, is one row. Clear columns hold ids, codes and
# times; `sealed` holds the body with why and its source, under the agency's data key. Only a
# `checked` version (a second coordinator, not its author) is copied into `medicines` /
# `care_plans`, which the feed carries to phones; `in_force_from` says from when it applied.
list_versions = Table(
    "list_versions", metadata,
    Column("tenant_id", String(36), nullable=False),
    Column("id", String(36), nullable=False),
    Column("entity", String(16), nullable=False),  # medicine, care_plan
    Column("entity_id", String(36), nullable=False),
    Column("service_user_id", String(36), nullable=False),
    Column("version", Integer, nullable=False),
    Column("action", String(16), nullable=False),  # set_up, add, change, stop
    Column("state", String(16), nullable=False),  # to_check, checked, rejected
    Column("author_id", String(36)),
    Column("authored_at", Text, nullable=False),
    Column("checked_by", String(36)),
    Column("checked_at", Text),
    Column("in_force_from", Text),
    Column("sealed", JSON, nullable=False),
    PrimaryKeyConstraint("tenant_id", "id", name="list_versions_pkey"),
    UniqueConstraint("tenant_id", "entity", "entity_id", "version", name="list_versions_once"),
    Index("list_versions_by_person", "tenant_id", "service_user_id", "entity"),
    Index("list_versions_queue", "tenant_id", "state", "authored_at"),
)

# A person's medicines list marked "needs review" (after a hospital stay) until a coordinator
# reconciles it; the open mark also rides on the person's record to the phones.
medicine_reviews = Table(
    "medicine_reviews", metadata,
    Column("tenant_id", String(36), primary_key=True),
    Column("service_user_id", String(36), primary_key=True),
    Column("marked_at", Text, nullable=False),
    Column("marked_by", String(36), nullable=False),
    Column("reconciled_at", Text),
    Column("reconciled_by", String(36)),
)

# Controlled drugs' stock registers (server/cd_stock.py), append-only: stock received and
# counted at the office, each synced administration taken off; `balance` is after the entry.
cd_stock = Table(
    "cd_stock", metadata,
    Column("n", Integer, primary_key=True, autoincrement=True),
    Column("tenant_id", String(36), nullable=False),
    Column("medicine_id", String(36), nullable=False),
    Column("at", Text, nullable=False),
    Column("kind", String(16), nullable=False),  # received, given, counted, corrected
    Column("quantity", Float, nullable=False),
    Column("balance", Float, nullable=False),
    Column("expected", Float),  # a count: the balance the register expected
    Column("by_id", String(36), nullable=False),  # coordinator, or the worker who gave it
    Column("record_id", String(36)),  # the dose record (or its correction) it came from
    Index("cd_stock_by_medicine", "tenant_id", "medicine_id", "n"),
    UniqueConstraint("tenant_id", "record_id", name="cd_stock_once_per_dose"),
)

# Failures counted per key (an account, an address) and scope, shared by every server process:
# sign-in, enrolment and device-token doors (server/doors.py). `key` is a SHA-256 of the key,
# never the email or address itself; times are milliseconds since the epoch.
door_counts = Table(
    "door_counts", metadata,
    Column("scope", String(32), primary_key=True),
    Column("key", String(64), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("closed_until", BigInteger, nullable=False),
    Column("last_at", BigInteger, nullable=False),
    Index("door_counts_by_last", "scope", "last_at"),
)
