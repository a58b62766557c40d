"""What the case register tells the apps above it. The register imports none of them
(apps import downwards only); an app that acts on register changes connects a receiver in
its AppConfig.ready and calls its own service from it."""

from django.dispatch import Signal

# Sent once a case import has written its rows and finished (after its transaction), with
# `job_id` (the ImportJob) and `case_ids` (a frozenset of the cases it created, changed or
# closed). Not sent when the import failed and wrote nothing.
register_imported = Signal()
