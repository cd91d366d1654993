from rest_framework import serializers

from dealership.models import Dealership, JobRun


class DealershipSerializer(serializers.ModelSerializer):
    brand = serializers.SlugRelatedField(slug_field="code", read_only=True)
    group = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Dealership
        fields = [
            "id",
            "code",
            "name_zh",
            "name_en",
            "brand",
            "group",
            "time_zone",
            "address",
            "is_active",
        ]


class JobRunSerializer(serializers.ModelSerializer):
    dealership = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = JobRun
        fields = [
            "id",
            "dealership",
            "job",
            "run_date",
            "state",
            "attempts",
            "created_at",
            "started_at",
            "finished_at",
            "result",
            "error",
        ]


class WorkspaceSerializer(serializers.Serializer):
    key = serializers.CharField()
    kind = serializers.CharField()
    name_zh = serializers.CharField()
    name_en = serializers.CharField()
    dealership_ids = serializers.ListField(child=serializers.IntegerField())


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.CharField()
    email = serializers.EmailField()
    workspaces = WorkspaceSerializer(many=True)


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150, trim_whitespace=False)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, write_only=True)


class TokenCreatedSerializer(serializers.Serializer):
    token = serializers.CharField(
        help_text="The secret: send it as `Authorization: Token <token>`."
    )
    id = serializers.CharField(help_text="The token's short id (for listing and revoking).")
    expiry = serializers.DateTimeField(allow_null=True)


class TokenSerializer(serializers.Serializer):
    """An API token of the caller, never its secret."""

    id = serializers.CharField()
    created = serializers.DateTimeField()
    expiry = serializers.DateTimeField(allow_null=True)
    current = serializers.BooleanField(help_text="The token of this request.")
