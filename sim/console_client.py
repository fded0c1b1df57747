"""One operator's HTTPS session with the daemon's console REST API (docs/openapi.yaml), as the
desk's browser has it: log in, then JSON calls with the session cookie. Shared by the scenario
driver (what the CLI does not offer: groups, levels, lockdowns) and the integration tests."""
import http.client
import json
import ssl


class ConsoleError(RuntimeError):
    def __init__(self, method, path, status, body):
        super().__init__(f"{method} {path}: {status} {body}")
        self.status = status
        self.body = body


class ConsoleClient:
    def __init__(self, host, port, name, password):
        self.host = host
        self.port = port
        self.cookie = None
        self.expect("POST", "/api/login", {"name": name, "password": password}, (200,))

    @classmethod
    def for_listen(cls, listen, name, password):
        """From [daemon] console_listen ("127.0.0.1:8443")."""
        host, _, port = listen.rpartition(":")
        return cls(host.strip("[]"), int(port), name, password)

    def call(self, method, path, body=None):
        """(status, parsed JSON body or None)."""
        context = ssl._create_unverified_context()  # the site's own certificate on loopback
        conn = http.client.HTTPSConnection(self.host, self.port, context=context, timeout=20)
        headers = {"Content-Type": "application/json"}
        if self.cookie:
            headers["Cookie"] = self.cookie
        try:
            conn.request(method, path, None if body is None else json.dumps(body), headers)
            response = conn.getresponse()
            for name, value in response.getheaders():
                if name.lower() == "set-cookie" and value.startswith("sekimori_session="):
                    self.cookie = value.split(";", 1)[0]
            text = response.read().decode()
            return response.status, (json.loads(text) if text else None)
        finally:
            conn.close()

    def expect(self, method, path, body=None, statuses=(200, 201)):
        status, reply = self.call(method, path, body)
        if status not in statuses:
            raise ConsoleError(method, path, status, reply)
        return status, reply
