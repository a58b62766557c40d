"""Information governance: who looked at what (the access log), who signed in (sign-in
events), and keeping records no longer than the retention periods say. At the top of the
import order, beside the demo: it reads every app's records and no app reads it."""
