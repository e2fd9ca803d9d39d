// The organisation's active members, with their login and id only.
var members = context["list-members"] || [];
result = members.filter(isActive).map((m) => pick(m, ["login", "id"]));
