from integrations.models.connection import Connection
from integrations.models.integration import ScmIntegration

__all__ = ["Connection", "ScmIntegration"]
