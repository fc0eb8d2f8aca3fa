import { placeholder as p } from '@netlab/protocol';
export const placeholder = 'udp-transport' + p;
