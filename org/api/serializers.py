from rest_framework import serializers

from org.capabilities import Capability, DataScope
from org.models import Department, Position, PositionAssignment, PositionCapability, StaffMember


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


class _TenantPositionField(serializers.PrimaryKeyRelatedField):
    """A position of the current dealership that the caller may see (others: "does not exist")."""

    def __init__(self, **kwargs):
        super().__init__(queryset=Position.objects.none(), **kwargs)  # (for the schema's types)

    def get_queryset(self):
        from dealership.access import restricted_queryset

        return restricted_queryset(self.context["request"].user, Position, "view")


class StaffHireSerializer(serializers.Serializer):
    """Hire a person: either ``colleague`` (the user id of someone already working in another
    dealership of the group, from ``GET staff/colleagues/``) or a new login (``username``,
    ``name``, optional ``email`` and ``password``). The login is created in the dealership's
    namespace: ``username`` ``zhangwei`` becomes ``<login prefix>_zhangwei``."""

    colleague = serializers.IntegerField(required=False, allow_null=True)
    username = serializers.RegexField(
        r"^[\w.@+-]+$", max_length=120, required=False, allow_blank=True
    )
    name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)
    password = serializers.CharField(
        required=False, allow_blank=True, write_only=True, style={"input_type": "password"}
    )
    employee_no = serializers.CharField(max_length=32)
    phone = serializers.RegexField(
        r"^[0-9+\- ]{5,32}$", max_length=32, required=False, allow_blank=True
    )
    start_date = serializers.DateField(required=False)
    positions = _TenantPositionField(many=True)
    primary = _TenantPositionField(required=False, allow_null=True)

    def validate_password(self, value):
        if value:
            from django.contrib.auth.password_validation import validate_password

            validate_password(value)
        return value


class StaffUpdateSerializer(serializers.Serializer):
    employee_no = serializers.CharField(max_length=32, required=False)
    phone = serializers.RegexField(
        r"^[0-9+\- ]{5,32}$", max_length=32, required=False, allow_blank=True
    )
    positions = _TenantPositionField(many=True, required=False)
    primary = _TenantPositionField(required=False, allow_null=True)


class StaffEndSerializer(serializers.Serializer):
    end_date = serializers.DateField(required=False)


class ColleagueSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="get_full_name")
    works_at_zh = serializers.CharField()
    works_at_en = serializers.CharField()


class CapabilityCellSerializer(serializers.Serializer):
    """One cell of the permission matrix; ``scope`` null removes the capability."""

    position = serializers.IntegerField()
    capability = serializers.ChoiceField(choices=Capability.choices)
    scope = serializers.ChoiceField(
        choices=[(s.value, s.label) for s in DataScope if s != DataScope.GROUP], allow_null=True
    )


class PositionCapabilitySerializer(serializers.ModelSerializer):
    class Meta:
        model = PositionCapability
        fields = ["id", "position", "capability", "scope"]
