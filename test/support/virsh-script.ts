/** Splits a virsh command line the way virsh does: `;` ends a command, single and double quotes group. */
export function virshCommands(script: string): string[][] {
  const commands: string[][] = [];
  let words: string[] = [];
  let word: string | undefined;
  for (let i = 0; i < script.length; i++) {
    const c = script[i] as string;
    if (c === "'" || c === '"') {
      const end = script.indexOf(c, i + 1);
      word = (word ?? "") + script.slice(i + 1, end);
      i = end;
    } else if (c === " " || c === ";") {
      if (word !== undefined) words.push(word);
      word = undefined;
      if (c === ";") {
        commands.push(words);
        words = [];
      }
    } else word = (word ?? "") + c;
  }
  if (word !== undefined) words.push(word);
  if (words.length > 0) commands.push(words);
  return commands;
}
