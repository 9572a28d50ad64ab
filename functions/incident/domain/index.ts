export * from '../../../shared/domain/priority';
export * from './access';
export * from './auto-close';
export * from './incident';
export * from './model';
export * from './parent-child';
export * from './state-machine';
