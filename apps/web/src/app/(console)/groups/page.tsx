import { GroupsView } from './groups-view.tsx';

export default function GroupsPage() {
  return <GroupsView />;
}
