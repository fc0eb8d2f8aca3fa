import { version } from '../package.json';
console.log('tcp-client', version);
