import { placeholder } from '@netlab/udp-transport';
import { version } from '../package.json';
console.log(placeholder, version);
