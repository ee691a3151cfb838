import { spawn } from 'node:child_process';
import { BenchError } from './errors.js';

/**
 * Run a load tool we do not own (h2load, redis-benchmark, wrk) to completion and return everything
 * it printed. A missing tool is an ETOOLMISSING error naming the Debian package that has it.
 */
export function runExternalTool(argv: string[], debianPackage = 'nghttp2-client'): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    child.on('error', (e) =>
      reject(
        new BenchError(
          'ETOOLMISSING',
          `cannot run ${argv[0]}: ${e.message} (apt-get install -y ${debianPackage})`,
        ),
      ),
    );
    child.on('exit', (code) =>
      code === 0
        ? resolve(out)
        : reject(new BenchError('ETOOLFAILED', `${argv.join(' ')} exited ${code}:\n${out}`)),
    );
  });
}
