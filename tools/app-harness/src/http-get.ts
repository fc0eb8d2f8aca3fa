import http from 'node:http';

export interface HttpAnswer {
  status: number;
  body: string;
}

/**
 * GETs `url` over a connection of its own (`Connection: close`). Not fetch(): its pool reuses
 * an idle keep-alive connection, and on a loaded machine it can pick one just as the server
 * closes it for idleness (Node's keepAliveTimeout, 5 s), which fails the request with
 * ECONNRESET though neither side did anything wrong.
 */
export function httpGet(url: string): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { agent: false }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      response.on('error', reject);
    });
    request.on('error', reject);
  });
}
