// Helpers the filter script uses; evaluated before it.
function isActive(member) {
  return member.state !== "inactive";
}

function pick(object, keys) {
  const picked = {};
  for (const key of keys) picked[key] = object[key];
  return picked;
}
