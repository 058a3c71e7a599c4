"""The office's use cases, one module per concern; each returns frozen dataclasses.

sign_in (coordinators and their agency's zone), day_board (the day's visits), visit_record
(a visit's records, opened and audited), amendments (the office's corrections), mar_chart
(a person's MAR chart), handovers (the handover inbox: read, acknowledge, reply), audit (the
append-only trail every read of a sealed record writes).
"""
