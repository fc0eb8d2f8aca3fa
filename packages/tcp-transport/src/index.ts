export const placeholder = 'tcp-transport';
