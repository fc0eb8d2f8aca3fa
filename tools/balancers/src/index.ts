export { startHaproxy, startNginx, type RunningBalancer } from './balancer-process';
export {
  DEBIAN_STREAM_MODULE,
  TEMPLATE_DIR,
  findStreamModule,
  haproxyConfig,
  nginxConfig,
  type Backend,
  type HaproxyConfigOptions,
  type NginxConfigOptions,
} from './configs';
export { freePort } from './free-port';
export { renderTemplate } from './render-template';
