import { version } from '../package.json';
console.log('udp-client', version);
