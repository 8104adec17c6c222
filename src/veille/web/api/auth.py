"""Who may call the API: the role checks of the pages (``deps.require``),
which accept ``Authorization: Bearer TOKEN`` and answer 401/403 on API paths.

``reader`` guards what only reads; ``writer`` what changes topics, alerts and
sources: the same roles as the pages that do it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from veille.services.users import User
from veille.web.deps import require

READ_ROLE = "viewer"
WRITE_ROLE = "analyst"

reader = Depends(require(READ_ROLE))
writer = Depends(require(WRITE_ROLE))

# A writing route takes its caller (``user: Writer``): the audit log names who
# made each change, as the pages' changes are named.
Writer = Annotated[User, writer]
