/**
 * Throw from a handler to answer with a status and a message, e.g. `throw new HttpError(404, 'no
 * item 7')`. The server turns it into a JSON error body `{ "error": message }`; anything else a
 * handler throws becomes a 500 and closes the connection.
 *
 * @example
 * server.get('/items/:id', (req, res) => {
 *   const item = items.get(req.params.id);
 *   if (!item) throw new HttpError(404, `no item ${req.params.id}`);
 *   res.json(item);
 * });
 */
export class HttpError extends Error {
  readonly status: number;
  readonly headers: readonly (readonly [string, string])[];

  constructor(status: number, message: string, headers: readonly (readonly [string, string])[] = []) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
    this.headers = headers;
  }
}
