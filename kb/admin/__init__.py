"""Administration: users, roles, API tokens and the audit trail (:mod:`kb.admin.views`),
with the audit actions' names in the interface language (:mod:`kb.admin.audit_labels`)."""
