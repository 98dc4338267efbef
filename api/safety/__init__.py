"""Auth and safety: accounts and sign-in (:mod:`api.safety.auth`), request limits and cost
budgets, rate limiting, security headers, upload guards, isolated geometry work and the
access log's redaction."""
