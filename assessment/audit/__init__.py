"""The audit trail: who submitted, reopened, imported, exported or changed roles, and when."""
