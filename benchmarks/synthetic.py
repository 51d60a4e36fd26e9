"""Realistic synthetic records in the curated record format, at any size.

Shaped like the seeds: about 8 partners a project with a long tail, organisations shared across
projects (a few very often, like a region), dates of mixed precision, amounts, multilingual
titles, some approximate values. Deterministic for a given seed.

    python -m benchmarks.synthetic --projects 20000 --out /tmp/records-20k [--format csv|yaml]
"""

from __future__ import annotations

import argparse
import csv
import random
from pathlib import Path

import yaml

COUNTRIES = ["SWE", "DNK", "NOR", "DEU", "FIN", "POL", "LVA", "LTU", "EST", "NLD", "BEL", "ITA"]
KINDS = ["municipality", "region", "university", "company", "business-support", "government-agency",
         "association", "research-institute", "hospital"]
ROLES = ["partner"] * 8 + ["co-financier", "associated-partner", "work-package-lead", "project-manager"]
WORDS = ["grön", "blå", "tillväxt", "innovation", "klimat", "hav", "energi", "transport", "hälsa",
         "smart", "region", "samverkan", "digital", "cirkulär", "vatten", "kust", "kultur", "stad"]


def _title(rnd: random.Random) -> str:
    return " ".join(rnd.choice(WORDS) for _ in range(rnd.randint(2, 5))).capitalize()


def _date(rnd: random.Random, year: int) -> str:
    p = rnd.random()
    if p < 0.5:
        return f"{year}-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}"
    if p < 0.8:
        return f"{year}-{rnd.randint(1, 12):02d}"
    return str(year)


PROGRAMMES = [("interreg-europe", "Interreg Europe", "interreg-interregional"),
              ("interreg-bsr", "Interreg Baltic Sea Region", "interreg-transnational"),
              ("interreg-oks", "Interreg Öresund-Kattegat-Skagerrak", "interreg-cross-border"),
              ("interreg-south-baltic", "Interreg South Baltic", "interreg-cross-border"),
              ("interreg-botnia-atlantica", "Interreg Botnia-Atlantica", "interreg-cross-border"),
              ("cef", "Connecting Europe Facility", "eu-direct"),
              ("life", "LIFE", "eu-direct"),
              ("skane-blekinge", "Regionalt strukturfondsprogram för Skåne och Blekinge", "regional-structural-fund")]
FUNDS = [("erdf", "European Regional Development Fund"), ("esf", "European Social Fund"), ("cef", "Connecting Europe Facility")]
THEMES = ["innovation", "transport", "environment", "health", "labour-market"]


def generate(projects: int, *, seed: int = 1) -> tuple[list[dict], list[dict], list[dict]]:
    """(sources and other reference records, organisations, projects) as record dicts.

    The first organisation is the busiest partner (as Region Skåne is in the seeds): it takes
    part in about a third of the projects.
    """
    rnd = random.Random(seed)
    n_orgs = max(10, projects // 4)
    cite = [{"document": "synthetic", "text": "synthetic"}]
    sources = [{"type": "source", "id": "synthetic", "title": {"en": "Synthetic records"},
                "language": "en", "file": "synthetic.csv"}]
    sources += [{"type": "fund", "id": f, "name": {"en": n}, "sources": cite} for f, n in FUNDS]
    sources += [{"type": "programme", "id": p, "name": {"en": n}, "kind": k,
                 "funds": ["cef"] if p == "cef" else ["erdf"], "sources": cite} for p, n, k in PROGRAMMES]
    sources += [{"type": "theme", "id": t, "label": {"en": t.replace("-", " ")}, "sources": cite} for t in THEMES]
    orgs = []
    for i in range(n_orgs):
        orgs.append({
            "type": "organisation", "id": f"org-{i}",
            "name": {"en": f"Organisation {i}", "sv": f"Organisation {i} {rnd.choice(WORDS)}"},
            "country": rnd.choice(COUNTRIES), "kind": rnd.choice(KINDS),
            "sources": [{"document": "synthetic", "text": f"row {i + 2}"}],
        })
    recs = []
    for i in range(projects):
        # long tail: mostly 3-10 partners, some up to 40; popular organisations recur (Zipf-like)
        k = min(n_orgs, max(1, int(rnd.lognormvariate(2.0, 0.5))))
        partners = set()
        while len(partners) < k:
            partners.add(min(n_orgs - 1, int(rnd.paretovariate(1.1)) - 1) if rnd.random() < 0.3 else rnd.randrange(n_orgs))
        if rnd.random() < 0.33:
            partners.add(0)
        partners = sorted(partners)
        start = rnd.randint(2000, 2024)
        project = {
            "type": "project", "id": f"p-{i}",
            "title": {"sv": _title(rnd), "en": _title(rnd)},
            "period": {"start": _date(rnd, start), "end": _date(rnd, start + rnd.randint(1, 6)),
                       "text": f"{start}–{start + 3}"},
            "participants": [
                {"organisation": f"org-{o}", "roles": ["lead-partner"] if j == 0 else [rnd.choice(ROLES)],
                 "text": f"org-{o}"}
                for j, o in enumerate(partners)
            ],
            "sources": [{"document": "synthetic", "text": f"row {i + 2}"}],
        }
        if rnd.random() < 0.9:
            project["programme"] = rnd.choice(PROGRAMMES)[0]
        if rnd.random() < 0.7:
            project["themes"] = sorted(rnd.sample(THEMES, rnd.randint(1, 2)))
        if i > 0 and rnd.random() < 0.05:
            project["predecessors"] = [f"p-{rnd.randrange(i)}"]
            total = rnd.randint(100_000, 10_000_000)
            eu = int(total * rnd.choice([0.5, 0.6, 0.75, 0.85]))
            project["funding"] = [
                {"kind": "total-budget", "amount": total, "currency": "EUR", "text": f"{total} EUR"},
                {"kind": "eu-contribution", "amount": eu, "currency": "EUR", "fund": "erdf",
                 "approximate": rnd.random() < 0.1, "text": f"ca. {eu} EUR"},
            ]
        recs.append(project)
    return sources, orgs, recs


def write_yaml(folder: Path, projects: int, *, seed: int = 1, per_file: int = 5000) -> Path:
    sources, orgs, recs = generate(projects, seed=seed)
    folder.mkdir(parents=True, exist_ok=True)
    dump = lambda data, name: (folder / name).write_text(  # noqa: E731
        yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=200), encoding="utf-8")
    dump(sources, "reference.yaml")
    dump(orgs, "organisations.yaml")
    for n in range(0, len(recs), per_file):
        dump(recs[n:n + per_file], f"projects-{n // per_file:05d}.yaml")
    return folder


def write_csv(folder: Path, projects: int, *, seed: int = 1) -> Path:
    """The same records through the CSV layouts of mappings/csv/ (projects.csv, organisations.csv)."""
    sources, orgs, recs = generate(projects, seed=seed)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "reference.yaml").write_text(yaml.safe_dump(sources, allow_unicode=True), encoding="utf-8")
    with (folder / "organisations.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "name_en", "name_sv", "country", "kind", "source", "source_text"])
        for o in orgs:
            w.writerow([o["id"], o["name"]["en"], o["name"]["sv"], o["country"], o["kind"], "synthetic",
                        o["sources"][0]["text"]])
    with (folder / "projects.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "title_sv", "title_en", "programme", "themes", "predecessors", "start", "end",
                    "period_text", "partners", "funding", "source", "source_text"])
        for p in recs:
            partners = ";".join(f"{x['organisation']}={'+'.join(x['roles'])}" for x in p["participants"])
            funding = ";".join(f"{f['kind']} {f['amount']} {f['currency']}" + (f" {f['fund']}" if f.get("fund") else "")
                               for f in p.get("funding", []))
            w.writerow([p["id"], p["title"]["sv"], p["title"]["en"], p.get("programme", ""),
                        ";".join(p.get("themes", [])), ";".join(p.get("predecessors", [])),
                        p["period"]["start"], p["period"]["end"], p["period"]["text"], partners, funding,
                        "synthetic", p["sources"][0]["text"]])
    return folder


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--projects", type=int, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--format", choices=["csv", "yaml"], default="yaml")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    (write_csv if args.format == "csv" else write_yaml)(args.out, args.projects, seed=args.seed)
    print(f"wrote {args.projects} projects to {args.out}")


if __name__ == "__main__":
    main()
