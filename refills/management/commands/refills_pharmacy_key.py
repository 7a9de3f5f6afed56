"""Issue a key for a pharmacy's system to send renewal requests to a clinic: prints the key once
(only its hash is kept). `--revoke <id>` turns a key off."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from portal.models import Organization
from refills.models import Pharmacy, PharmacyClient
from refills.services.renewals import client_issue


class Command(BaseCommand):
    help = "Issue (or revoke) a pharmacy system's key for renewal requests."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--pharmacy", type=int, help="The pharmacy's id.")
        parser.add_argument("--organization", type=int, help="The clinic's id (its patients, its queue).")
        parser.add_argument("--label", default="")
        parser.add_argument("--revoke", type=int, help="Turn off the key with this id.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["revoke"]:
            if not PharmacyClient.objects.filter(pk=options["revoke"]).update(is_active=False):
                raise CommandError("No such key.")
            self.stdout.write("Revoked.")
            return
        pharmacy = Pharmacy.objects.filter(pk=options["pharmacy"], is_active=True).first()
        organization = Organization.objects.filter(pk=options["organization"]).first()
        if pharmacy is None or organization is None:
            raise CommandError("Give an active --pharmacy id and an --organization id.")
        client, key = client_issue(pharmacy=pharmacy, organization_id=organization.pk, label=options["label"])
        self.stdout.write(f"Key {client.pk} for {pharmacy} at {organization}: {key}")
        self.stdout.write("Shown once: only its hash is stored.")
