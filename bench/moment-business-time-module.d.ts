declare module 'moment-business-time';
