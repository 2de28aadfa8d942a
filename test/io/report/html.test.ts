/** The page shell: user text is escaped, embedded data cannot close its script element early. */
import { describe, expect, it } from "vitest";
import { escapeHtml, jsonScript, page } from "../../../src/io/report/html.js";

describe("report html", () => {
  it("escapes text and attribute values", () => {
    expect(escapeHtml(`<a href="x">&</a>`)).toBe("&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;");
  });

  it("embedded JSON survives a </script> inside a string and parses back to the same value", () => {
    const value = { text: "pc 1: </script><script>alert(1)</script>", n: [1, 2.5] };
    const html = jsonScript("d", value);
    expect(html.match(/<\/script>/g)).toHaveLength(1);
    const body = html.slice(html.indexOf(">") + 1, html.lastIndexOf("</script>"));
    expect(JSON.parse(body)).toEqual(value);
  });

  it("a page is one document with its sections linked from the navigation", () => {
    const html = page({ title: "T <1>", subtitle: "s", kind: "run", sections: [{ id: "a", title: "A", body: "<p>x</p>", notes: ["n & m"] }] });
    expect(html.startsWith("<!DOCTYPE html>")).toBe(true);
    expect(html).toContain('<body data-report="run">');
    expect(html).toContain('<a href="#a">A</a>');
    expect(html).toContain("<title>T &lt;1&gt;</title>");
    expect(html).toContain('<p class="note">n &amp; m</p>');
  });
});
