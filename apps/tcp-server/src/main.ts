import { version } from '../package.json';
console.log('tcp-server', version);
