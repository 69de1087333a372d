"""Rooms sessions are booked in."""

from rest_framework import serializers

from ...models import Room


class RoomSerializer(serializers.ModelSerializer[Room]):
    class Meta:
        model = Room
        fields = ["id", "centre", "name", "active"]
        read_only_fields = fields
