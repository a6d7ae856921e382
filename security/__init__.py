"""Authentication, roles, CSRF and security headers for every page and API endpoint.

Safe by default: a route is protected unless its view is marked `@public`; reads need the
viewer role, state-changing methods the operator role, unless a view asks for more with
`@require_role("admin")`; a form page (`@form_page`) needs the operator role to be opened too.
"""
from security.access import form_page, init_security, public, require_role  # noqa: F401
from security.passwords import hash_password, verify_password  # noqa: F401
