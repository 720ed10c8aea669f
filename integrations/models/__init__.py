from integrations.models.connection import Connection, SweepRun
from integrations.models.integration import ScmIntegration

__all__ = ["Connection", "ScmIntegration", "SweepRun"]
