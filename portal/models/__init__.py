from portal.models.audit import AuditEvent
from portal.models.tenancy import Invitation, Membership, Organization, Role
from portal.models.tokens import ApiToken
from portal.models.users import User

__all__ = ["ApiToken", "AuditEvent", "Invitation", "Membership", "Organization", "Role", "User"]
