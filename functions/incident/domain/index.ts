export * from './access';
export * from './auto-close';
export * from './incident';
export * from './model';
export * from './parent-child';
export * from './priority';
export * from './state-machine';
