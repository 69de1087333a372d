"""Dispute categories."""

from rest_framework import serializers

from ...models import Category


class CategorySerializer(serializers.ModelSerializer[Category]):
    name = serializers.CharField(read_only=True)

    class Meta:
        model = Category
        fields = ["id", "code", "name_zh", "name_en", "name", "parent", "active"]
        read_only_fields = fields
