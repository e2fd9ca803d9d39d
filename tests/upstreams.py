"""Upstream behaviours used by several tests: a Kombo-like API and the tutorial's registry."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiohttp import web

KOMBO_KEY = "kombo-test-key-7f3a9c"


def kombo_error(status: int, code: str, message: str) -> web.Response:
    body = {
        "status": "error",
        "error": {
            "code": code,
            "title": code,
            "message": message,
            "log_url": "https://app.kombo.dev/logs/1",
        },
    }
    return web.json_response(body, status=status)


async def kombo(request: web.Request) -> web.Response:
    """Bearer check, X-Integration-Id where Kombo needs it, Kombo's error envelope."""
    if request.headers.get("Authorization") != f"Bearer {KOMBO_KEY}":
        return kombo_error(401, "PLATFORM.AUTHENTICATION_INVALID", "Invalid API key")
    path = request.path
    if path == "/v1/check-api-key" and request.method == "GET":
        return web.json_response(
            {"status": "success", "data": {"environment_id": "env-1", "customer_id": "cust-1"}}
        )
    if path.startswith("/v1/integrations/") and request.method == "GET":
        integration = path.rsplit("/", 1)[1]
        return web.json_response(
            {
                "status": "success",
                "data": {"id": integration, "tool": {"id": "personio"}, "category": "HRIS"},
            }
        )
    if path == "/v1/force-sync" and request.method == "POST":
        integration = request.headers.get("X-Integration-Id")
        if not integration:
            return kombo_error(400, "PLATFORM.INPUT_INVALID", "X-Integration-Id is required")
        if integration == "setup-incomplete":
            return kombo_error(409, "INTEGRATION.SETUP_INCOMPLETE", "Finish the setup first")
        body = await request.json() if await request.read() else None
        return web.json_response({"status": "success", "data": {"received": body}})
    return kombo_error(404, "PLATFORM.NOT_FOUND", f"no route {request.method} {path}")


SHIPS: list[dict[str, Any]] = [
    {
        "imo_number": "IMO-9321483",
        "vessel_name": "Northern Star",
        "vessel_type": "cargo",
        "flag_code": "NO",
        "operational_status": "active",
    },
    {
        "imo_number": "IMO-9456781",
        "vessel_name": "Pacific Dawn",
        "vessel_type": "tanker",
        "flag_code": "SG",
        "operational_status": "maintenance",
    },
]
SHIP_DETAILS = {
    "IMO-9321483": {
        **SHIPS[0],
        "year_built": 2015,
        "gross_tonnage": 42000,
        "dimensions": {"length_overall": 229, "beam": 32, "draft": 12.5},
        "assignedCrew": ["CREW-001", "CREW-003"],
    },
    "IMO-9456781": {
        **SHIPS[1],
        "year_built": 2018,
        "gross_tonnage": 55000,
        "dimensions": {"length_overall": 274, "beam": 48, "draft": 16.0},
        "assignedCrew": ["CREW-002", "CREW-004"],
    },
}


CREW = [
    {"crewId": "CREW-001", "fullName": "Erik Lindström", "role": "captain", "certifications": []},
    {
        "crewId": "CREW-002",
        "fullName": "Maria Santos",
        "role": "first_officer",
        "certifications": [],
    },
    {"crewId": "CREW-003", "fullName": "Aiko Tanaka", "role": "cook", "certifications": []},
    {"crewId": "CREW-004", "fullName": "Hans Mueller", "role": "engineer", "certifications": []},
]
CARGO = [
    {
        "cargoId": "CARGO-2024-0451",
        "type": "container",
        "description": "Electronics components",
        "weight": 12.5,
        "hazardous": False,
    },
    {
        "cargoId": "CARGO-2024-0452",
        "type": "bulk",
        "description": "Iron ore samples",
        "weight": 85.0,
        "hazardous": False,
    },
    {
        "cargoId": "CARGO-2024-0453",
        "type": "container",
        "description": "Industrial solvents",
        "weight": 5.2,
        "hazardous": True,
    },
]
VOYAGE = {
    "voyageId": "VOY-2026-042",
    "shipImo": "IMO-9321483",
    "departurePort": "Oslo",
    "arrivalPort": "Singapore",
    "departureDate": "2026-04-10T08:00:00Z",
    "arrivalDate": "2026-05-02T14:00:00Z",
    "crewIds": ["CREW-001", "CREW-003"],
    "cargoIds": ["CARGO-2024-0451"],
    "status": "planned",
}
VESSELS_XML = (
    "<vessels>"
    "<vessel><vesselCode>LEGACY-4012</vesselCode><vesselName>Old Faithful</vesselName>"
    "<category>cargo</category><flagState>GB</flagState>"
    "<operationalStatus>active</operationalStatus></vessel>"
    "<vessel><vesselCode>LEGACY-2087</vesselCode><vesselName>Iron Maiden</vesselName>"
    "<category>bulk_carrier</category><flagState>PA</flagState>"
    "<operationalStatus>laid_up</operationalStatus></vessel>"
    "</vessels>"
)


async def registry(request: web.Request) -> web.Response:
    """The Maritime Registry (and the Legacy Dockyard's XML /vessels) as the tutorial's
    mocks describe them."""
    path = request.path
    if path == "/crew":
        return web.json_response(CREW)
    if path == "/cargo":
        return web.json_response(CARGO)
    if path == "/vessels":
        return web.Response(text=VESSELS_XML, content_type="application/xml")
    if path.startswith("/voyages/") and request.method == "GET":
        if path.rsplit("/", 1)[1] == VOYAGE["voyageId"]:
            return web.json_response(VOYAGE)
        return web.json_response({"error": "not_found"}, status=404)
    if path == "/ships":
        status = request.query.get("status")
        ships = [s for s in SHIPS if status in (None, s["operational_status"])] or SHIPS
        return web.json_response(ships)
    if path.startswith("/ships/"):
        found = SHIP_DETAILS.get(path.rsplit("/", 1)[1])
        if found is None:
            return web.json_response({"error": "not_found", "message": "no such ship"}, status=404)
        return web.json_response(found)
    if path == "/voyages" and request.method == "POST":
        body = json.loads(await request.read())
        return web.json_response(
            {"voyageId": "VOY-2026-042", **body, "status": "planned"}, status=201
        )
    return web.json_response({"error": "not_found"}, status=404)


async def echo(request: web.Request) -> web.Response:
    """Answers what it received; `/text` answers plain text, `/list` a JSON array;
    `/slow?ms=` waits first."""
    if request.path == "/text":
        return web.Response(text="plain words", content_type="text/plain")
    if request.path == "/list":
        return web.json_response([{"id": 1}, {"id": 2}])
    if request.path == "/slow":
        await asyncio.sleep(int(request.query.get("ms", "0")) / 1000)
    raw = await request.read()
    body: Any = None
    if raw:
        try:
            body = json.loads(raw)
        except ValueError:
            body = raw.decode("utf-8", "replace")
    status = 404 if request.path.endswith("/missing") else 200
    return web.json_response(
        {
            "method": request.method,
            "path": request.raw_path.split("?")[0],
            "query": dict(request.query),
            "headers": dict(request.headers),
            "body": body,
        },
        status=status,
    )


class CountingKombo:
    """Counts actions in flight per integration and refuses past `limit`, as Kombo does."""

    def __init__(self, limit: int = 30) -> None:
        self.limit = limit
        self.now: dict[str, int] = {}
        self.most: dict[str, int] = {}
        self.refused = 0
        self.served = 0

    async def __call__(self, request: web.Request) -> web.Response:
        integration = request.headers.get("X-Integration-Id", "")
        now = self.now[integration] = self.now.get(integration, 0) + 1
        self.most[integration] = max(self.most.get(integration, 0), now)
        try:
            if now > self.limit:
                self.refused += 1
                response = kombo_error(429, "PLATFORM.CONCURRENCY_LIMIT_EXCEEDED", "too many")
                remaining = 0
            else:
                await asyncio.sleep(0.05)
                self.served += 1
                response = web.json_response({"status": "success", "data": {}})
                remaining = self.limit - now
            response.headers["Concurrency-Limit"] = str(self.limit)
            response.headers["Concurrency-Remaining"] = str(remaining)
            return response
        finally:
            self.now[integration] -= 1


MEMBERS = [
    {"login": "ada", "id": 1, "state": "active", "site_admin": False},
    {"login": "bob", "id": 2, "state": "inactive", "site_admin": False},
    {"login": "cyd", "id": 3, "site_admin": True},
]
READINGS = {"device": "d-1", "readings": [{"value": 1.5}, {"value": 2.5}, {"value": 5.0}]}


async def members_and_readings(request: web.Request) -> web.Response:
    """GitHub members and a sensor's readings, for the script-step examples."""
    if request.path.startswith("/orgs/"):
        return web.json_response(MEMBERS)
    if request.path.startswith("/devices/"):
        return web.json_response(READINGS)
    return web.json_response({"message": "not here"}, status=404)
