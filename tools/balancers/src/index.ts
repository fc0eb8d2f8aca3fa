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
export { freePort } from '@netlab-tools/app-harness';
export { renderTemplate } from './render-template';
