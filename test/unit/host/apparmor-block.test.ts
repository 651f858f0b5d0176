import { describe, expect, it } from "vitest";
import {
  BLOCK_BEGIN,
  BLOCK_END,
  DamagedBlockError,
  findBlock,
  renderWithBlock,
} from "../../../reconcile/providers/libvirt/host/apparmor-block.js";
import { DEBIAN_ABSTRACTION, SOCK_RULE } from "./apparmor-world.js";

const debian = DEBIAN_ABSTRACTION.toString("utf8");

describe("frost's block in an AppArmor file (pure text)", () => {
  it("appends the block after the last line and keeps every byte before it", () => {
    // Debian's file ends with a line break, so nothing is added between it and the block.
    const out = renderWithBlock(debian, [SOCK_RULE]);
    expect(Buffer.from(out).subarray(0, DEBIAN_ABSTRACTION.length).equals(DEBIAN_ABSTRACTION)).toBe(true);
    expect(out.slice(debian.length)).toBe(`${BLOCK_BEGIN}\n  ${SOCK_RULE}\n${BLOCK_END}\n`);
  });

  it("finds the block it wrote, with its rules and offsets", () => {
    const out = renderWithBlock(debian, [SOCK_RULE, "/run/x r,"]);
    const found = findBlock(out);
    expect(found).toMatchObject({ status: "present", block: { start: debian.length, end: out.length, rules: [SOCK_RULE, "/run/x r,"] } });
  });

  it("updates a block in the middle of a file in place, leaving the text on both sides as it was", () => {
    // An operator added lines after frost's block; they stay after it.
    const withBlock = `${renderWithBlock(debian, [SOCK_RULE])}  # site addition\n  /srv/x r,\n`;
    const out = renderWithBlock(withBlock, ["/run/y rw,"]);
    expect(out).toBe(`${debian}${BLOCK_BEGIN}\n  /run/y rw,\n${BLOCK_END}\n  # site addition\n  /srv/x r,\n`);
  });

  it("removes the block with no rules and gives back the original bytes exactly", () => {
    const out = renderWithBlock(renderWithBlock(debian, [SOCK_RULE]), []);
    expect(Buffer.from(out).equals(DEBIAN_ABSTRACTION)).toBe(true);
  });

  it("adds a line break before the block when the file does not end with one", () => {
    // The added line break is outside the block and stays when the block is removed later.
    expect(renderWithBlock("  /a r,", [SOCK_RULE])).toBe(`  /a r,\n${BLOCK_BEGIN}\n  ${SOCK_RULE}\n${BLOCK_END}\n`);
  });

  it("keeps CRLF line endings in the lines it writes to a CRLF file", () => {
    expect(renderWithBlock("  /a r,\r\n", [SOCK_RULE])).toBe(`  /a r,\r\n${BLOCK_BEGIN}\r\n  ${SOCK_RULE}\r\n${BLOCK_END}\r\n`);
  });

  it("leaves content without a block alone when there are no rules", () => {
    expect(renderWithBlock(debian, [])).toBe(debian);
  });

  it("reports a BEGIN without END as damage at the BEGIN line, and refuses to render", () => {
    const damaged = `${debian}${BLOCK_BEGIN}\n  ${SOCK_RULE}\n`;
    const line = debian.split("\n").length;
    expect(findBlock(damaged)).toMatchObject({
      status: "damaged",
      line,
      problem: expect.stringMatching(/has no "# END frost managed rules"/),
    });
    expect(() => renderWithBlock(damaged, [SOCK_RULE])).toThrow(DamagedBlockError);
  });

  it("reports two BEGINs, an END alone and two blocks as damage", () => {
    expect(findBlock(`${BLOCK_BEGIN}\n${BLOCK_BEGIN}\n${BLOCK_END}\n`)).toMatchObject({ status: "damaged", line: 2 });
    expect(findBlock(`/a r,\n${BLOCK_END}\n`)).toMatchObject({ status: "damaged", line: 2 });
    expect(findBlock(`${BLOCK_BEGIN}\n${BLOCK_END}\n${BLOCK_BEGIN}\n${BLOCK_END}\n`)).toMatchObject({
      status: "damaged",
      line: 3,
      problem: expect.stringMatching(/second frost block/),
    });
  });
});
