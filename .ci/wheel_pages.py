"""Pages answered by the installed package (run by .ci/wheel-check with the wheel's environment)."""

from fastapi.testclient import TestClient

import smartregion
from smartregion.settings import Settings
from smartregion.web.app import create_app

if __name__ == "__main__":
    assert "site-packages" in smartregion.__file__, f"not the installed package: {smartregion.__file__}"
    with TestClient(create_app(Settings.from_env())) as client:
        for path, needle in (("/network", "vis-network"), ("/static/pages.css", "body"), ("/", "smartregion")):
            response = client.get(path, headers={"Accept": "text/html"})
            assert response.status_code == 200 and needle in response.text, (path, response.status_code)
    print("wheel: the installed package answers /network, /static/pages.css and /")
