"""The names workflows are called by: workflow types, signals, updates and queries.

They are part of every recorded history and of every client that talks to a running workflow,
so they are spelled once and never change (each equals the handler's method name).
"""

# Workflow types.
LIFE_EVENT_JOURNEY = "LifeEventJourney"
AGENCY_SERVICE = "AgencyServiceWorkflow"

# Signals: a step tells its journey where it stands; the API tells a step what came in.
STEP_CHANGED = "step_changed"
AGENCY_DECISION = "agency_decision"
INFORMATION_PROVIDED = "information_provided"
OPERATOR_ACTION = "operator_action"

# Updates: what the person tells a running journey.
CONFIRM = "confirm"
GIVE_CONSENT = "give_consent"
PROVIDE_INFORMATION = "provide_information"
CANCEL = "cancel"

# Updates: what an operator tells a running journey (each audited by the API).
RESOLVE_ESCALATION = "resolve_escalation"
RESUBMIT = "resubmit"
RESEND_MESSAGE = "resend_message"
EXTEND_DEADLINE = "extend_deadline"

# Queries.
STATUS = "status"

# The memo key a journey keeps its status under (encrypted, like every payload), so that reading
# it wakes no workflow.
STATUS_MEMO = "status"
