#!/usr/bin/env python3
"""Write a QuickFIX-schema FIX dictionary in the project's canonical form.

Usage: normalize_dictionary.py IN.xml OUT.xml

The canonical form: double-quoted attributes, two-space indentation, fields
sorted by number, enum values in the order given. Messages, groups and their
member order are kept, since order is meaningful there. Running it on the
dictionary QuickFIX users already have yields a file our codec loads and that
`fix-codec`'s tests compare field by field against that source.
"""
import sys
import xml.etree.ElementTree as ET
from xml.sax.saxutils import quoteattr


def attrs(el, keys):
    return "".join(f" {k}={quoteattr(el.get(k))}" for k in keys if el.get(k) is not None)


def members(el, depth, out):
    pad = "  " * depth
    for child in el:
        if child.tag == "field":
            out.append(f"{pad}<field{attrs(child, ['name', 'required'])}/>")
        elif child.tag == "component":
            out.append(f"{pad}<component{attrs(child, ['name', 'required'])}/>")
        elif child.tag == "group":
            out.append(f"{pad}<group{attrs(child, ['name', 'required'])}>")
            members(child, depth + 1, out)
            out.append(f"{pad}</group>")


def main(src, dst):
    root = ET.parse(src).getroot()
    out = [f"<fix{attrs(root, ['type', 'major', 'minor', 'servicepack'])}>"]
    for section in ("header", "trailer"):
        out.append(f"  <{section}>")
        members(root.find(section), 2, out)
        out.append(f"  </{section}>")
    out.append("  <messages>")
    for msg in root.find("messages"):
        out.append(f"    <message{attrs(msg, ['name', 'msgtype', 'msgcat'])}>")
        members(msg, 3, out)
        out.append("    </message>")
    out.append("  </messages>")
    comps = root.find("components")
    if comps is not None and len(comps):
        out.append("  <components>")
        for comp in comps:
            out.append(f"    <component{attrs(comp, ['name'])}>")
            members(comp, 3, out)
            out.append("    </component>")
        out.append("  </components>")
    else:
        out.append("  <components/>")
    out.append("  <fields>")
    for f in sorted(root.find("fields"), key=lambda f: int(f.get("number"))):
        values = list(f.findall("value"))
        head = f"    <field{attrs(f, ['number', 'name', 'type'])}"
        if not values:
            out.append(head + "/>")
            continue
        out.append(head + ">")
        for v in values:
            out.append(f"      <value{attrs(v, ['enum', 'description'])}/>")
        out.append("    </field>")
    out.append("  </fields>")
    out.append("</fix>")
    with open(dst, "w") as fh:
        fh.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
