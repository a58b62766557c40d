"""auditloop: a children's services Quality Assurance and Impact Framework, run as a service."""
