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
