/**
 * The commands of the documentation, read from the markdown itself so the docs cannot drift from
 * what the tests run. A fenced block is run by a test when the HTML comment just before it names
 * that test file (`<!-- The commands below run as written ... in test/cli-docs.test.ts ... -->`).
 *
 * In such a block, a line starting with `npx pledge` is a command, read the way a POSIX shell
 * reads it (quotes, backslash-newline continuations, `#` comments); an `export` line sets
 * environment variables; any other line is output the command before it prints, as a whole line.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { root } from './helpers.ts';

export interface DocCommand {
  /** `README.md:84`: where the command starts, for failure messages. */
  where: string;
  /** The command as written (continuations joined). */
  text: string;
  /** The arguments after `npx pledge`. */
  args: string[];
  /** Lines the command prints, as the docs show them. */
  output: string[];
}

export interface DocExport {
  where: string;
  /** The variables the line sets, as written (placeholders included). */
  vars: Record<string, string>;
}

export type DocLine = ({ kind: 'command' } & DocCommand) | ({ kind: 'export' } & DocExport);

/** The marked blocks of `file` (relative to the repository) for `testFile`, in document order. */
export function docBlocks(file: string, testFile: string): DocLine[][] {
  const lines = readFileSync(join(root, file), 'utf8').split('\n');
  const blocks: DocLine[][] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^```(sh|bash)?\s*$/.test(lines[i]!) || lines[i] === '```') continue;
    // The nearest non-blank line before the fence must be the marker naming the test.
    let j = i - 1;
    while (j >= 0 && lines[j]!.trim() === '') j--;
    const marked = j >= 0 && /^<!--.*-->$/.test(lines[j]!.trim()) && lines[j]!.includes(testFile);
    let end = i + 1;
    while (end < lines.length && lines[end] !== '```') end++;
    if (marked) blocks.push(parseBlock(file, lines.slice(i + 1, end), i + 2));
    i = end;
  }
  return blocks;
}

function parseBlock(file: string, body: string[], firstLine: number): DocLine[] {
  const out: DocLine[] = [];
  for (let k = 0; k < body.length; k++) {
    const start = k;
    let text = body[k]!;
    while (/\\\s*$/.test(text) && k + 1 < body.length) text = text.replace(/\\\s*$/, ' ') + body[++k]!.trim();
    const where = `${file}:${firstLine + start}`;
    if (/^npx pledge(\s|$)/.test(text)) {
      const words = shellWords(text, where);
      out.push({ kind: 'command', where, text, args: words.slice(2), output: [] });
    } else if (/^export\s/.test(text)) {
      const vars: Record<string, string> = {};
      for (const w of shellWords(text, where).slice(1)) {
        const eq = w.indexOf('=');
        if (eq > 0) vars[w.slice(0, eq)] = w.slice(eq + 1);
      }
      out.push({ kind: 'export', where, vars });
    } else if (text.trim() !== '') {
      const last = out.at(-1);
      if (last?.kind !== 'command') throw new Error(`${where}: output before any command: ${text}`);
      last.output.push(text);
    }
  }
  return out;
}

/** Words as a POSIX shell splits them: '…' literal, "…" with \" and \\, \x outside quotes, # starts a comment. */
export function shellWords(line: string, where = 'line'): string[] {
  const words: string[] = [];
  let word: string | undefined;
  let i = 0;
  const push = (c: string) => (word = (word ?? '') + c);
  while (i < line.length) {
    const c = line[i]!;
    if (c === "'") {
      const close = line.indexOf("'", i + 1);
      if (close < 0) throw new Error(`${where}: unclosed '`);
      push(line.slice(i + 1, close));
      i = close + 1;
    } else if (c === '"') {
      i++;
      push('');
      while (i < line.length && line[i] !== '"') {
        if (line[i] === '\\' && i + 1 < line.length && '"\\$`'.includes(line[i + 1]!)) i++;
        push(line[i++]!);
      }
      if (i >= line.length) throw new Error(`${where}: unclosed "`);
      i++;
    } else if (c === '\\' && i + 1 < line.length) {
      push(line[i + 1]!);
      i += 2;
    } else if (/\s/.test(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
      i++;
    } else if (c === '#' && word === undefined) {
      break;
    } else if ('$`|&;<>(){}*?'.includes(c)) {
      // Not a plain command: the docs' runnable blocks keep to words a test can run as they are.
      throw new Error(`${where}: ${JSON.stringify(c)} needs a shell; keep runnable commands to plain words`);
    } else {
      push(c);
      i++;
    }
  }
  if (word !== undefined) words.push(word);
  return words;
}
