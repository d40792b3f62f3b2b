// Reading passwords, passphrases and recovery phrases for the CLI: from files, the
// environment, or a prompt with echo off. Never from command-line arguments.

import readline from 'node:readline';
import { CofferError } from '../api/errors.js';
import { readTextFile } from '../service/files.js';

/** Read a small text file (a password, passphrase or recovery phrase), dropping one trailing newline. */
export function readSecretFile(file: string, what: string): string {
  return readTextFile(file, 'password', what).replace(/\r?\n$/, '');
}

export interface PromptIO {
  isTTY: boolean;
  /** Ask without echoing the answer (passwords). */
  prompt(question: string): Promise<string>;
  /** Ask a yes/no question with the answer echoed; true only for y or yes. */
  confirm(question: string): Promise<boolean>;
  /** Show the user something on stderr (stdout carries the command's result). */
  say(text: string): void;
}

/** Ask on the terminal without echoing what is typed (yes/no questions echo). */
export function terminalPrompt(): PromptIO {
  return {
    isTTY: Boolean(process.stdin.isTTY && process.stderr.isTTY),
    say: (text) => void process.stderr.write(text),
    confirm: (question) =>
      new Promise((resolve) => {
        const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
        let answered = false;
        rl.question(question, (answer) => {
          answered = true;
          rl.close();
          resolve(/^\s*y(es)?\s*$/i.test(answer));
        });
        // Ctrl-C or Ctrl-D: no.
        rl.on('SIGINT', () => rl.close());
        rl.on('close', () => {
          if (!answered) resolve(false);
        });
      }),
    prompt: (question) =>
      new Promise((resolve, reject) => {
        const stdin = process.stdin;
        process.stderr.write(question);
        let answer = '';
        stdin.setRawMode(true);
        stdin.resume();
        stdin.setEncoding('utf8');
        const done = (err?: Error) => {
          stdin.setRawMode(false);
          stdin.pause();
          stdin.off('data', onData);
          process.stderr.write('\n');
          if (err) reject(err);
          else resolve(answer);
        };
        const onData = (chunk: string) => {
          for (const ch of chunk) {
            if (ch === '\r' || ch === '\n') return done();
            if (ch === '\u0003') return done(new CofferError('usage', 'Cancelled.'));
            if (ch === '\u007f' || ch === '\b') answer = answer.slice(0, -1);
            else answer += ch;
          }
        };
        stdin.on('data', onData);
      }),
  };
}

export interface PasswordSources {
  passwordFile?: string | undefined;
  env: NodeJS.ProcessEnv;
  io: PromptIO;
}

/** The wallet password: --password-file, then COFFER_PASSWORD, then a prompt on a terminal. */
export async function readPassword(src: PasswordSources, confirm = false): Promise<string> {
  if (src.passwordFile !== undefined) return readSecretFile(src.passwordFile, 'password');
  const fromEnv = src.env['COFFER_PASSWORD'];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  if (!src.io.isTTY) {
    throw new CofferError('password-required', 'A password is required: use --password-file FILE or set COFFER_PASSWORD.');
  }
  const first = await src.io.prompt('Password: ');
  if (confirm && (await src.io.prompt('Repeat the password: ')) !== first) {
    throw new CofferError('password-required', 'The two passwords differ.');
  }
  return first;
}
