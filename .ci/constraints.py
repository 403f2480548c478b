"Print name==version for the installed dependency closure of wartok[dev] (markers evaluated here)."
from importlib.metadata import distribution, PackageNotFoundError
from packaging.requirements import Requirement
import re
def norm(n): return re.sub(r"[-_.]+", "-", n).lower()
seen, todo = {}, [("wartok", {"dev"})]
while todo:
    name, extras = todo.pop()
    try: d = distribution(name)
    except PackageNotFoundError: continue
    key = norm(d.metadata["Name"])
    new = key not in seen
    seen.setdefault(key, (d.metadata["Name"], d.version, set()))
    if not new and extras <= seen[key][2]: continue
    seen[key][2].update(extras)
    for r in d.requires or []:
        req = Requirement(r)
        env_ok = any(req.marker is None or req.marker.evaluate({"extra": e}) for e in (extras | {""}))
        if env_ok: todo.append((req.name, set(req.extras)))
for k in sorted(seen):
    if k == "wartok": continue
    print(f"{seen[k][0]}=={seen[k][1]}")
