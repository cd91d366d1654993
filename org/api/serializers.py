from rest_framework import serializers

from org.models import Department, Position, PositionAssignment, StaffMember


class DepartmentSerializer(serializers.ModelSerializer):
    dealership = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Department
        fields = ["id", "dealership", "code", "kind", "name_zh", "name_en", "order"]


class PositionSerializer(serializers.ModelSerializer):
    dealership = serializers.SlugRelatedField(slug_field="code", read_only=True)
    capabilities = serializers.SerializerMethodField()

    class Meta:
        model = Position
        fields = ["id", "dealership", *Position.EDITABLE_FIELDS, "capabilities"]
        read_only_fields = ["capabilities"]

    def get_capabilities(self, position) -> dict[str, int]:
        return {row.capability: row.scope for row in position.capabilities.all()}

    def validate_responsibilities(self, value):
        if not isinstance(value, list) or not all(
            isinstance(i, dict) and i.get("zh") for i in value
        ):
            raise serializers.ValidationError('Give a list of {"zh": ..., "en": ...} items.')
        return [{"zh": str(i["zh"]), "en": str(i.get("en", ""))} for i in value]


class AssignmentSerializer(serializers.ModelSerializer):
    position = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = PositionAssignment
        fields = ["position", "is_primary", "since"]


class StaffMemberSerializer(serializers.ModelSerializer):
    dealership = serializers.SlugRelatedField(slug_field="code", read_only=True)
    username = serializers.CharField(source="user.username", read_only=True)
    name = serializers.CharField(source="user.name", read_only=True)
    assignments = AssignmentSerializer(many=True, read_only=True)

    class Meta:
        model = StaffMember
        fields = [
            "id",
            "dealership",
            "username",
            "name",
            "employee_no",
            "phone",
            "start_date",
            "end_date",
            "is_active",
            "assignments",
        ]
